-- wrk script: GET the live vacancy of a random lot; the lot ids are read from the
-- file named after `--` (one per line).
local ids = {}

function init(args)
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", "/api/lots/" .. ids[math.random(#ids)] .. "/vacancy")
end
