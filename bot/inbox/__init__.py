"""The review inbox: shopper messages the bot did not understand, for editors to label.

`broker` (a Rasa event broker) picks them from real conversations with `capture`,
masks personal data with `masking` and keeps them in Redis with `store`; the editor
page (handoff/editor.py) lists them, and `training_file` appends accepted ones to
data/nlu/<lang>/inbox.yml, checked against `catalog` (the intents and FAQ entries).
"""
