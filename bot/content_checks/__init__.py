"""Checks of the project's content files for `eva validate`.

One module per job: `yaml_files` reads YAML with line numbers, `nlu`, `dialogue`,
`faq` and `domain` read and check one kind of file each, `responses` checks the
domain's responses, `rules` the rules that span files, `rasa_validation` runs Rasa's
own validator, `runner` puts them together, `findings` is what a check returns,
`messages` holds every message in Korean and English and `report` prints the result.
"""
