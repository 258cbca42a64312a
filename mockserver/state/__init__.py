"""Run-time state shared by the processes of a fleet (`serve --state redis://...`): where it lives and how a
process reaches it. The worlds never go through the store: every process builds them from the same files."""
