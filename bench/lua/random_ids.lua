-- wrk script: GET <prefix><id> with ids drawn at random from a file, one id a line.
-- Usage: wrk ... -s bench/lua/random_ids.lua URL -- IDS_FILE PREFIX
-- Each wrk thread has its own fixed seed, so a run's request sequence is repeatable.
local ids = {}
local prefix = "/"
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  local f = assert(io.open(args[1], "r"), "cannot open the ids file")
  for line in f:lines() do
    if #line > 0 then ids[#ids + 1] = line end
  end
  f:close()
  assert(#ids > 0, "the ids file is empty")
  prefix = args[2] or "/"
  math.randomseed(7919 * (tid or 1))
end

function request()
  return wrk.format("GET", prefix .. ids[math.random(#ids)])
end
