"""The processing steps; each module holds one Stage named ``verb_object``."""
