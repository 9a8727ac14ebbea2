"""Wire-level stand-ins for every device; they speak the real protocol on the real channel."""
