"""The cluster side of the facade: projects and runs are TestProject/TestRun custom resources in
each tenant's namespace. `port` is what services use, `kubernetes` the adapter over the official
client, `resources` the pure builders and readers of the objects."""
