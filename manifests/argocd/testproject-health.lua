-- Argo CD health check for testforge.io/TestProject: Healthy once a suite is generated
-- (Ready=True), Degraded when the operator is stalled (a failed discovery, a missing secret),
-- Progressing otherwise.
local hs = {status = "Progressing", message = "waiting for the operator"}
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" and condition.status == "True" then
    hs.status = "Healthy"
    hs.message = condition.message
    return hs
  end
  if condition.type == "Stalled" and condition.status == "True" then
    hs.status = "Degraded"
    hs.message = condition.reason .. ": " .. condition.message
    return hs
  end
  if condition.type == "Ready" then
    hs.message = condition.reason .. ": " .. condition.message
  end
end
return hs
