# The Green Line. `make run` starts everything; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
PO := $(wildcard hotline/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test bench install translations extract-messages clean

run: install translations
	$(PY) -m hotline.launcher

test: install translations
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install translations
	$(PY) bench/intake.py

install: $(STAMP)

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

translations: install $(MO)

%.mo: %.po
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@

extract-messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o hotline/translations/messages.pot .
	$(VENV)/bin/pybabel update -i hotline/translations/messages.pot -d hotline/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance
