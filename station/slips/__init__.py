"""What goes on each printed slip, as printer-independent Receipt layouts (drivers/receipt.py)."""
