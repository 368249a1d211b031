"""URL converters: ids are digits that fit the databases' 64-bit integers, else no route matches."""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
