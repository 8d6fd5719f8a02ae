from __future__ import annotations

import redis

# Atomic GET + DEL: GETDEL exists since Redis 6.2, but a script also works on older servers.
_POP = "local v = redis.call('GET', KEYS[1]); if v then redis.call('DEL', KEYS[1]) end; return v"
_HIT = (
    "local n = redis.call('INCR', KEYS[1]); "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end; return n"
)


class RedisStore:
    def __init__(self, client: redis.Redis, prefix: str = "emm:"):
        self._redis = client
        self._prefix = prefix
        self._pop = client.register_script(_POP)
        self._hit = client.register_script(_HIT)

    @classmethod
    def from_url(cls, url: str) -> RedisStore:
        return cls(
            redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=2,
                socket_connect_timeout=2,
                health_check_interval=30,
            )
        )

    def put_if_absent(self, key: str, value: str, ttl_seconds: int) -> bool:
        return bool(self._redis.set(self._prefix + key, value, ex=ttl_seconds, nx=True))

    def put(self, key: str, value: str, ttl_seconds: int) -> None:
        self._redis.set(self._prefix + key, value, ex=ttl_seconds)

    def get(self, key: str) -> str | None:
        value = self._redis.get(self._prefix + key)
        # from_url() decodes answers; a client built without decode_responses gives bytes.
        return value.decode() if isinstance(value, bytes) else value

    def pop(self, key: str) -> str | None:
        return self._pop(keys=[self._prefix + key])

    def delete(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def hit(self, key: str, window_seconds: int) -> int:
        return int(self._hit(keys=[self._prefix + key], args=[window_seconds]))

    def purge_expired(self) -> int:
        return 0  # Redis removes expired keys itself
