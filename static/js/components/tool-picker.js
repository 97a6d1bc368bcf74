import { chatClient } from '../net/chat-client.js';
import { sessionStore } from '../state/stores.js';

/** On narrow screens the same checkboxes move into a sheet: one set of inputs, one source of truth. */
export function toolPicker() {
  return {
    get session() {
      return sessionStore();
    },
    get hasChoices() {
      return this.hasTools || this.hasDataSources;
    },
    get hasTools() {
      return this.session.tools.length > 0;
    },
    get hasDataSources() {
      return this.session.dataSources.length > 0;
    },
    get visibleTools() {
      const { tools, locked, selectedTools } = this.session;
      return locked ? tools.filter((tool) => selectedTools.includes(tool.name)) : tools;
    },
    get toolGroups() {
      const groups = [];
      for (const tool of this.visibleTools) {
        const key = tool.server ?? '';
        let group = groups.find((g) => g.key === key);
        if (!group) {
          group = { key, label: key ? `Tools from ${key}` : 'Tools', tools: [] };
          if (key) groups.push(group);
          else groups.unshift(group);
        }
        group.tools.push(tool);
      }
      return groups.length > 0 ? groups : [{ key: '', label: 'Tools', tools: [] }];
    },
    toolLabel(tool) {
      return tool.server && tool.name.startsWith(`${tool.server}__`) ? tool.name.slice(tool.server.length + 2) : tool.name;
    },
    toolTitle(tool) {
      const state = tool.available === false ? ` (unavailable: ${tool.reason ?? 'down'})` : '';
      return `${tool.name}: ${tool.description}${state}`;
    },
    get visibleDataSources() {
      const { dataSources, locked, selectedDataSources } = this.session;
      return locked ? dataSources.filter((source) => selectedDataSources.includes(source.id)) : dataSources;
    },
    get showNoTools() {
      return this.session.locked && this.visibleTools.length === 0;
    },
    get showNoSources() {
      return this.session.locked && this.visibleDataSources.length === 0;
    },
    get selectionCount() {
      return this.session.selectedTools.length + this.session.selectedDataSources.length;
    },
    get hasSelection() {
      return this.selectionCount > 0;
    },

    openSheet() {
      this.$refs.sheetBody.append(this.$refs.choices);
      this.$refs.sheet.showModal();
    },
    closeSheet() {
      this.$refs.sheet.close();
    },
    onSheetClose() {
      this.$el.insertBefore(this.$refs.choices, this.$refs.sheet);
    },

    isToolSelected(tool) {
      return this.session.selectedTools.includes(tool.name);
    },
    isSourceSelected(source) {
      return this.session.selectedDataSources.includes(source.id);
    },
    sourceLabel(source) {
      return source.name && source.name !== source.id ? `${source.name} (${source.id})` : source.id;
    },

    toggleTool(event) {
      this.session.selectedTools = toggled(this.session.selectedTools, event.target.value, event.target.checked);
      this.sendSelection();
    },
    toggleSource(event) {
      this.session.selectedDataSources = toggled(this.session.selectedDataSources, event.target.value, event.target.checked);
      this.sendSelection();
    },

    sendSelection() {
      chatClient.selectTools([...this.session.selectedTools], [...this.session.selectedDataSources]);
    },
  };
}

function toggled(list, value, present) {
  const without = list.filter((item) => item !== value);
  return present ? [...without, value] : without;
}
