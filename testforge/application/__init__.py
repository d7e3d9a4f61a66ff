"""The application services both drivers call for the same steps: the CLI (`testforge run`,
`testforge heal`) and the operator (its controllers and sandbox runner). A step added here
happens on one machine and in the cluster alike; the drivers keep only their own storage."""
