"""factory-boy factories, one module per area."""
