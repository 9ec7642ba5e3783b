"""Link analysis and money flow over what the node holds (pure: no I/O).

`build_graph` turns records (`GraphRecord`) and the matcher's same-as links (`SameAs`) into
an `EntityGraph` (python-igraph underneath); the operations are pure functions over it:
`neighbourhood`, `paths`, `communities` (Leiden), `centrality` (betweenness, PageRank),
`trace` (money flow with cycles, fan-in/fan-out and layering flagged), `rings` (records tied
by shared identifiers) and `export` (GraphML, GEXF, Cytoscape JSON, i2 CSV). See
docs/graph.md."""

from accord.graph.analytics import Community, Ranked, centrality, communities
from accord.graph.build import DEFAULT_MAX_SHARED, GraphBuilder, GraphRecord, SameAs, build_graph
from accord.graph.core import EdgeKind, EdgeView, EntityGraph, GraphStats, Ref, Summary, VertexView
from accord.graph.export import EXPORT_FORMATS, I2_COLUMNS, export
from accord.graph.filters import Filters
from accord.graph.money import (
    ACCOUNT_SCHEMATA,
    TracedPayment,
    Trail,
    flow_groups,
    prepare_flows,
    trace,
)
from accord.graph.rings import DEFAULT_RING_KINDS, Ring, rings
from accord.graph.schema import IDENTIFIER_KINDS, identifier_value, links_of
from accord.graph.walk import GraphPath, Neighbourhood, neighbourhood, paths

__all__ = [
    "ACCOUNT_SCHEMATA",
    "DEFAULT_MAX_SHARED",
    "DEFAULT_RING_KINDS",
    "EXPORT_FORMATS",
    "I2_COLUMNS",
    "IDENTIFIER_KINDS",
    "Community",
    "EdgeKind",
    "EdgeView",
    "EntityGraph",
    "Filters",
    "GraphBuilder",
    "GraphPath",
    "GraphRecord",
    "GraphStats",
    "Neighbourhood",
    "Ranked",
    "Ref",
    "Ring",
    "SameAs",
    "Summary",
    "TracedPayment",
    "Trail",
    "VertexView",
    "build_graph",
    "centrality",
    "communities",
    "export",
    "flow_groups",
    "identifier_value",
    "links_of",
    "neighbourhood",
    "paths",
    "prepare_flows",
    "rings",
    "trace",
]
