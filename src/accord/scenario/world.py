"""The scenario as a stream: storylines first, then the background population unit by unit.

`generate(options)` yields `Line` (an ingest line for one agency), `Truth` (a row of
truth.jsonl) and `Progress` events. It holds one unit of the world at a time, so memory does
not grow with the number of persons; the same options always yield the same events.
"""

from __future__ import annotations

from collections.abc import Iterator

from accord.scenario.background import unit
from accord.scenario.context import Context
from accord.scenario.options import ScenarioOptions
from accord.scenario.rng import stream
from accord.scenario.sink import Event, Progress, Sink
from accord.scenario.stories import tell

__all__ = ["generate"]


def generate(options: ScenarioOptions) -> Iterator[Event]:
    """Every line, truth row and progress mark of the scenario, in a fixed order."""
    ctx = Context(options)
    sink = Sink(options.seed, (a.code for a in ctx.agencies))
    if options.storylines:
        for _ in tell(ctx, sink):
            yield from sink.drain()
            yield Progress(ctx.persons)
    n = 0
    while ctx.persons < options.persons:
        rng = stream(options.seed, "unit", n)
        unit(ctx, sink, rng, options.persons - ctx.persons)
        n += 1
        yield from sink.drain()
        yield Progress(ctx.persons)
