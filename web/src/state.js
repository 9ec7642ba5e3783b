// A tiny observable value, and a hook that re-renders a component when it changes.
import { useEffect, useState } from "preact/hooks";

export function signal(initial) {
  let value = initial;
  const subscribers = new Set();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const fn of subscribers) fn(value);
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
  };
}

export function useSignal(s) {
  const [, setValue] = useState(s.get());
  useEffect(() => s.subscribe((v) => setValue(v)), [s]);
  return s.get();
}
