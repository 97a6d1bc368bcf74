import { dismissToast } from '../state/toasts.js';

export function toasts() {
  return {
    kindClass(toast) {
      return `toast-${toast.kind}`;
    },
    dismiss(toast) {
      dismissToast(toast.id);
    },
  };
}
