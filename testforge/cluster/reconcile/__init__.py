"""The reconcilers: pure functions from a resource and its observed children to the actions
to take and the status to write, with the action types they share (`actions`)."""
