"""cardswap: swap business cards at in-person events, offline first."""

__version__ = "0.1.0"
