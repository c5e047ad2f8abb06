"""`python -m bench.stock_rasa run ...`: stock `rasa run`, given its API's JWT secret
from RASA_API_TOKEN in-process, as ours is (bot/api_auth.py).

Nothing else differs from `python -m rasa`: the secret stays out of `ps`, and the
bench's clients call both servers the same way, with a Bearer JWT.
"""

from __future__ import annotations

import os
import sys

from rasa.__main__ import main

from bot.api_auth import TOKEN_ENV, rasa_arguments

if __name__ == "__main__":
    if not os.environ.get(TOKEN_ENV):
        sys.exit(f"{TOKEN_ENV} is not set")
    sys.argv += rasa_arguments(os.environ)
    main()
