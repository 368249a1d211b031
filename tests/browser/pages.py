"""What a person does in the browser, as reusable steps for the Playwright tests."""


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def drag_select(
    page, phrase: str, root: str = "#document-text-view", shown: str = "#pending-selection q"
) -> None:
    """Select `phrase` in the text at `root` with the mouse, as a person would; `shown` then quotes it."""
    box = page.evaluate(
        """([phrase, selector]) => {
            const root = document.querySelector(selector);
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            const nodes = [];
            let all = "";
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                nodes.push([node, all.length]);
                all += node.data;
            }
            const at = all.indexOf(phrase);
            if (at === -1) return null;
            const locate = (i) => {
                const [node, base] = nodes.filter(([, base]) => base <= i).pop();
                return [node, i - base];
            };
            const rect = (i) => {
                const [node, offset] = locate(i);
                const range = document.createRange();
                range.setStart(node, offset); range.setEnd(node, offset + 1);
                return range.getBoundingClientRect();
            };
            const a = rect(at), b = rect(at + phrase.length - 1);
            return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
        }""",
        [phrase, root],
    )
    assert box, f"'{phrase}' is not in the article"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    page.wait_for_function(
        "([phrase, shown]) => document.querySelector(shown)?.textContent === phrase", arg=[phrase, shown]
    )


def expect_count(page, selector: str, count: int) -> None:
    page.wait_for_function(
        "([selector, count]) => document.querySelectorAll(selector).length === count", arg=[selector, count]
    )


def link(page, head: str, tail: str, relation: str = "supports") -> None:
    """Add a relation: select the span listed as `head`, press [, the one listed as `tail`, press ]."""
    page.locator(".span-item .span-pick", has_text=head).first.click()
    page.keyboard.press("[")
    page.locator(".span-item .span-pick", has_text=tail).first.click()
    page.keyboard.press("]")
    page.select_option("#relation-label", relation)
    page.get_by_role("button", name="Add relation").click()
