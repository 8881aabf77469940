"""The data domain: resources (lists, the bureau, event stores, market data) and the files behind them."""
