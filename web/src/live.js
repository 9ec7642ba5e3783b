// The agency's event stream (server-sent events, GET /api/v1/events): a screen names the
// kinds it shows (`message`, `message_receipt`, `mla`…) and is told when one arrives, and
// also (with no kind) when the stream opens: a screen loads what it shows before the stream is
// open, and what arrived in between is not sent on a first connection.
import { useEffect, useRef } from "preact/hooks";

export function useEvents(kinds, onEvent) {
  const latest = useRef(onEvent);
  latest.current = onEvent;
  useEffect(() => {
    const stream = new EventSource("/api/v1/events");
    stream.onopen = () => latest.current(null, null);
    for (const kind of kinds) {
      stream.addEventListener(kind, (event) => latest.current(kind, JSON.parse(event.data)));
    }
    return () => stream.close();
  }, [kinds.join(" ")]);
}
