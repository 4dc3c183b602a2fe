# Two set-up commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create or update .venv

run: $(STAMP)  ## extract samples/ into out/ and print the projects table
	$(BIN)/finnews extract samples -o out
	$(BIN)/python -c "import pandas as pd; pd.set_option('display.width', 200); pd.set_option('display.max_colwidth', 40); print(pd.read_csv('out/projects.csv', keep_default_na=False).to_string(index=False))"

test: $(STAMP) lint  ## run the test suite
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests
	$(BIN)/mypy pipeline

clean:
	rm -rf out build dist *.egg-info

bench: $(STAMP)  ## benchmark against BeautifulSoup + jieba (prints figures; N=2000 by default)
	$(BIN)/python bench/run.py --n $(or $(N),2000)
