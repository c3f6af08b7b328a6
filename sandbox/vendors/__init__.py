"""One module per vendor; each exposes a `Vendor` subclass mounted at its URL prefix."""
