"""Custom Rasa NLU components: tokenizer, language detection and input checks."""
