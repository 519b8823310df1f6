"""The model catalogue beyond the shipped manifest: models a user brings in (``mediaanon models add``)."""
