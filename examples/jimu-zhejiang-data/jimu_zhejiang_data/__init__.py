"""Zhejiang branch data team's Jimu plugin: Hangzhou's drug-trade licence register and the check that reads it."""
