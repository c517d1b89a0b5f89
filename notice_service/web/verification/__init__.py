"""The public verification page ``/v/<code>`` (issue 15): HTML in French, no login, no JavaScript."""
