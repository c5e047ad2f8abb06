"""`python -m bot.server run|train ...`: Rasa's own command line, with bot/speedups.py installed
and `rasa train`'s validation run beside the training (bot/background_validation.py).

Kiwi's dictionaries and model (300 MB) are loaded here, before Sanic forks its
workers (SANIC_WORKERS), so that every worker shares one copy instead of loading its
own. Everything loaded by then is frozen out of the garbage collector's sight
(bot/heap_freeze.py): the server's supervising process stays light, and the workers
inherit it.
"""

from __future__ import annotations

from bot import background_validation, heap_freeze, speedups
from bot.nlu.ko_en_tokenizer import kiwi
from bot.nlu.sentence_encoder import USE_MULTILINGUAL, load_encoder


def main() -> None:
    speedups.install()
    background_validation.install()
    kiwi().tokenize("안녕하세요")
    # With the default config (one BLAS thread per call); a config with other settings
    # loads its own.
    load_encoder(USE_MULTILINGUAL, threads=1)
    heap_freeze.freeze_what_is_loaded()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
