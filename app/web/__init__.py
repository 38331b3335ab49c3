"""The web side: the REST API, its documentation, and (later) the mini app and dashboard."""
