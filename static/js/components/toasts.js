import { dismissToast } from '../state/toasts.js';

/** The toast region (`role="alert"`): errors and notices, dismissable by keyboard. */
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
