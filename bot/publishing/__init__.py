"""Putting trained models live: `eva publish` and `eva rollback`.

`archive` reads a model's id, `accuracy` scores models on the held-out split,
`registry` keeps the releases, `rasa_server` talks to the running server,
`publisher` puts it together and `messages` says it in Korean and English.
"""
