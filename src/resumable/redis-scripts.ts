/**
 * The Lua scripts of `redisStore`: each reads and writes one stream's keys (one hash slot) atomically.
 *
 * Keys of stream `<id>` (hash-tagged, so a Cluster keeps them on one node):
 * `<prefix>{<id>}:e` the entries (a Redis stream, entry ids `<seq>-0`), `<prefix>{<id>}:m` the meta
 * hash (`fence`, `owner`, `state` running|ended, `last` seq, `first` seq kept, `bytes`, `cancel`
 * flag, and the stream's settings), `<prefix>{<id>}:h` the producer's heartbeat (value: the fence).
 * @internal
 * @module
 */

/** KEYS m h · ARGV fence owner hbMs liveMs doneMs maxEntries maxEntryBytes maxStreamBytes policy → 1 | 0 (exists) */
export const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'fence', ARGV[1], 'owner', ARGV[2], 'state', 'running', 'last', '0', 'first', '1',
  'bytes', '0', 'cancel', '0', 'hb', ARGV[3], 'live', ARGV[4], 'done', ARGV[5], 'maxe', ARGV[6], 'maxeb', ARGV[7],
  'maxsb', ARGV[8], 'policy', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
return 1
`;

/**
 * KEYS e m · ARGV fence data… → 'ok' | 'fenced' | 'cancelled' | 'entries' | 'entry_bytes' | 'stream_bytes'.
 * Checks the fence and the cancel flag, then appends each value at the next seq under the limits
 * (policy fail: stops at the first value over a limit; trim: deletes the oldest entries).
 */
export const APPEND = `
local m = redis.call('HMGET', KEYS[2], 'fence', 'state', 'cancel', 'last', 'first', 'bytes', 'maxe', 'maxeb', 'maxsb', 'policy', 'live')
if m[1] ~= ARGV[1] or m[2] ~= 'running' then return 'fenced' end
if m[3] == '1' then return 'cancelled' end
local last, first, bytes = tonumber(m[4]), tonumber(m[5]), tonumber(m[6])
local maxe, maxeb, maxsb = tonumber(m[7]), tonumber(m[8]), tonumber(m[9])
local trim = m[10] == 'trim'
local result = 'ok'
for i = 2, #ARGV do
  local len = string.len(ARGV[i])
  if len > maxeb then result = 'entry_bytes' break end
  if not trim and last - first + 2 > maxe then result = 'entries' break end
  if not trim and bytes + len > maxsb then result = 'stream_bytes' break end
  last = last + 1
  bytes = bytes + len
  redis.call('XADD', KEYS[1], last .. '-0', 'v', ARGV[i])
  while trim and first < last and (last - first + 1 > maxe or bytes > maxsb) do
    local id = first .. '-0'
    local old = redis.call('XRANGE', KEYS[1], id, id)
    if old[1] then
      bytes = bytes - string.len(old[1][2][2])
      redis.call('XDEL', KEYS[1], id)
    end
    first = first + 1
  end
end
redis.call('HSET', KEYS[2], 'last', last, 'first', first, 'bytes', bytes)
redis.call('PEXPIRE', KEYS[1], m[11])
return result
`;

/** KEYS m h e · ARGV fence → 'ok' | 'cancelled' | 'fenced'. Renews the heartbeat and the live TTL. */
export const BEAT = `
local m = redis.call('HMGET', KEYS[1], 'fence', 'state', 'cancel', 'hb', 'live')
if m[1] ~= ARGV[1] or m[2] ~= 'running' then return 'fenced' end
redis.call('SET', KEYS[2], ARGV[1], 'PX', m[4])
redis.call('PEXPIRE', KEYS[1], m[5])
redis.call('PEXPIRE', KEYS[3], m[5])
if m[3] == '1' then return 'cancelled' end
return 'ok'
`;

const END = `
local seq = tonumber(m[2]) + 1
redis.call('XADD', KEYS[1], seq .. '-0', 'end', kind, 'error', err)
redis.call('HSET', KEYS[2], 'state', 'ended', 'last', seq)
redis.call('PEXPIRE', KEYS[1], m[3])
redis.call('PEXPIRE', KEYS[2], m[3])
redis.call('DEL', KEYS[3])
`;

/** KEYS e m h · ARGV fence end error → 1 | 0 (fenced). Writes the terminal and the done TTL. */
export const FINISH = `
local f = redis.call('HGET', KEYS[2], 'fence')
local m = redis.call('HMGET', KEYS[2], 'state', 'last', 'done')
if f ~= ARGV[1] or m[1] ~= 'running' then return 0 end
local kind, err = ARGV[2], ARGV[3]
${END}
return 1
`;

/**
 * KEYS e m h · ARGV error → 'missing' | 'ended' | 'alive' | 'lost'. A reader's probe: a running
 * stream without heartbeat gets the terminal `lost`.
 */
export const PROBE = `
local m = redis.call('HMGET', KEYS[2], 'state', 'last', 'done')
if not m[1] then return 'missing' end
if m[1] ~= 'running' then return 'ended' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'alive' end
local kind, err = 'lost', ARGV[1]
${END}
return 'lost'
`;

/** KEYS m · ARGV owner → 'missing' | 'ended' | 'running' (flag set). */
export const CANCEL = `
local m = redis.call('HMGET', KEYS[1], 'owner', 'state')
if m[1] ~= ARGV[1] then return 'missing' end
if m[2] ~= 'running' then return 'ended' end
redis.call('HSET', KEYS[1], 'cancel', '1')
return 'running'
`;

/** KEYS running · ARGV id limit hbMs ttlMs → 1 | 0 (at the limit). Running streams of an owner, scored by heartbeat deadline. */
export const OWNER_ADD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** KEYS running · ARGV id hbMs ttlMs. Renews the stream's deadline in its owner's set. */
export const OWNER_BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;
