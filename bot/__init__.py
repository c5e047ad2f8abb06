"""Eva: a bilingual (Korean/English) customer-service bot built on Rasa Open Source."""
