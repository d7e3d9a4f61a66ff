-- Argo CD health check for testforge.io/TestRun (and TestProject: see the ConfigMap patch).
-- A TestRun is Progressing until it finishes, Healthy when it succeeded, Degraded when it
-- failed or errored, Suspended when cancelled.
local hs = {status = "Progressing", message = "waiting for the operator"}
if obj.status == nil then
  return hs
end
local phase = obj.status.phase
local message = obj.status.message or ""
if phase == "Succeeded" then
  hs.status = "Healthy"
elseif phase == "Failed" or phase == "Error" then
  hs.status = "Degraded"
elseif phase == "Cancelled" then
  hs.status = "Suspended"
elseif phase ~= nil then
  hs.status = "Progressing"
end
if phase ~= nil then
  hs.message = phase .. ": " .. message
end
return hs
