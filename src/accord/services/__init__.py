"""Use cases: the only place that combines pure rules with adapters."""
