"""boardkit: paperless board meetings and resident democracy for Danish social housing."""

__version__ = "0.1.0"
