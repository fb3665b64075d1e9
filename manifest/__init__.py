"""The Teams app package: template, icons and the package builder."""
