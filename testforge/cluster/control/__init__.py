"""The operator's application layer: the controllers that observe, decide with the
reconcilers, act and write status, the services they act with, and the daemons' loops."""
