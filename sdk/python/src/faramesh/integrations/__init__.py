"""Framework integrations (``faramesh.integrations.<framework>``), each built on
:func:`faramesh.governed.govern`. Importing this package imports no framework."""
