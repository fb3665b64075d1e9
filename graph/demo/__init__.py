"""Demo plans (package data): real Lindesberg and Strängnäs controls, fictitious owners."""
