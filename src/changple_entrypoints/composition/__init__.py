"""The composition root, the one place that wires: `adapters` chooses an adapter per port from the
settings, `ports` holds them, the area modules bind use cases to them, `container` joins the areas,
and `bootstrap` builds it all for a process."""
