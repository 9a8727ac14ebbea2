"""Device drivers. Each module is one device kind; none of them knows what a ticket is."""
