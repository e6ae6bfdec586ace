"""The command line on top (taxi-pipeline): its parser and commands; imports every layer below."""
