"""Accord: federated cross-border criminal-intelligence exchange."""

__version__ = "0.1.0"
