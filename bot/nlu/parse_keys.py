"""Keys our NLU components add to a parse, for the actions that read them.

Kept apart from the components, which import Rasa, so that the action server can read
them without loading Rasa.
"""

from __future__ import annotations

# The intent classifier's ranking of its finer classes: every intent, and each FAQ
# entry as `faq/<key>` (bot/nlu/linear_intent_classifier.py). "Did you mean ...?"
# offers from it (actions/did_you_mean.py).
LABEL_RANKING = "label_ranking"

# A button's payload names the FAQ entry it answers in this entity:
# /faq{"faq_entry": "<key>"} (actions/faq.py).
FAQ_ENTRY_ENTITY = "faq_entry"
