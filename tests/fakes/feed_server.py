"""A fake web of feeds: a blog's RSS 2.0, a project's GitHub releases (Atom), a journal's
RSS 1.0 (RDF), and arXiv's export API at /api/query, each shaped as the real one is.

The arXiv API answers from PAPERS: the category asked for (`search_query=cat:<c>`),
newest submission first, at most `max_results`; an unknown category is an empty feed, as
arXiv gives. `error_feed` is arXiv's way of saying a query is wrong. Besides the scripted
faults of every fake server, a path can hang: no answer until the server stops. Every
request is recorded with its query and headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar
from xml.sax.saxutils import escape

from aiohttp import web

from tests.fakes.server import FakeServer

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>A Lab's Blog</title><link>https://blog.example.org/</link>
  <description>Notes from the lab</description>
  <atom:link href="https://blog.example.org/feed.xml" rel="self" type="application/rss+xml"/>
  <item>
    <title>Sparse   attention,
      explained</title>
    <link>https://blog.example.org/2026/11/sparse-attention/</link>
    <guid isPermaLink="false">blog-post-42</guid>
    <pubDate>Sat, 28 Nov 2026 10:30:00 +0100</pubDate>
    <description>A short teaser.</description>
    <content:encoded><![CDATA[<p>Sparse attention skips <b>most</b> pairs &amp; keeps
      the rest.</p><p>Costs fall &mdash; a lot.</p>]]></content:encoded>
  </item>
  <item>
    <title>Q &amp; A: our evaluation setup</title>
    <link>https://blog.example.org/2026/11/evaluation/</link>
    <pubDate>Fri, 27 Nov 2026 08:00:00 GMT</pubDate>
    <description>&lt;p&gt;We test on &lt;em&gt;held-out&lt;/em&gt; data &amp;amp; say so.&lt;/p&gt;</description>
  </item>
  <item>
    <title>An undated note</title>
    <link>https://blog.example.org/notes/undated/</link>
    <description>No date on this one.</description>
  </item>
</channel>
</rss>"""

RELEASES = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en-US">
  <id>tag:github.com,2008:https://github.com/example/trainer/releases</id>
  <link type="text/html" rel="alternate" href="https://github.com/example/trainer/releases"/>
  <link type="application/atom+xml" rel="self" href="https://github.com/example/trainer/releases.atom"/>
  <title>Release notes from trainer</title>
  <updated>2026-11-28T12:00:00Z</updated>
  <entry>
    <id>tag:github.com,2008:Repository/123456/v2.1.0</id>
    <updated>2026-11-28T12:00:00Z</updated>
    <link rel="alternate" type="text/html" href="https://github.com/example/trainer/releases/tag/v2.1.0"/>
    <title>v2.1.0</title>
    <content type="html">&lt;h2&gt;What&amp;#39;s new&lt;/h2&gt;
&lt;ul&gt;&lt;li&gt;Faster data loading &amp;amp; fewer copies&lt;/li&gt;&lt;/ul&gt;</content>
    <author><name>maintainer</name></author>
    <media:thumbnail height="30" width="30" url="https://avatars.githubusercontent.com/u/1?s=60&amp;v=4"/>
  </entry>
  <entry>
    <id>tag:github.com,2008:Repository/123456/v2.0.0</id>
    <updated>2026-11-20T09:15:00Z</updated>
    <link rel="alternate" type="text/html" href="https://github.com/example/trainer/releases/tag/v2.0.0"/>
    <title>v2.0.0</title>
    <content type="html">&lt;p&gt;Breaking: the config moves to TOML.&lt;/p&gt;</content>
    <author><name>maintainer</name></author>
  </entry>
</feed>"""

RDF = b"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://journal.example.org/rss">
    <title>Journal of Examples</title><link>https://journal.example.org/</link>
    <description>Latest articles</description>
    <items><rdf:Seq>
      <rdf:li rdf:resource="https://journal.example.org/articles/7"/>
    </rdf:Seq></items>
  </channel>
  <item rdf:about="https://journal.example.org/articles/7">
    <title>On the limits of scaling</title>
    <link>https://journal.example.org/articles/7</link>
    <description>We find that returns diminish &amp;lt;sooner&amp;gt; than thought.</description>
    <dc:date>2026-11-26T15:00:00Z</dc:date>
    <dc:creator>A. Author</dc:creator>
  </item>
</rdf:RDF>"""


@dataclass(frozen=True)
class Paper:
    id: str  # without its version
    version: int
    category: str
    title: str
    summary: str
    published: datetime


PAPERS = [
    Paper(
        "2411.01234", 2, "cs.LG",
        "Mixture-of-Depths:\n  Routing Tokens Past Layers",
        "  Transformers spend the same compute on every token. We route tokens past\n"
        "layers they do not need, at half the cost for $n < 10^6$ tokens.\n",
        datetime(2026, 11, 28, 17, 59, 1, tzinfo=UTC),
    ),
    Paper(
        "2411.01001", 1, "cs.LG",
        "A Small Model That Reads Long Documents",
        "We read documents of a million tokens with a model of one billion parameters.",
        datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC),
    ),
    Paper(
        "hep-th/9901001", 1, "cs.LG",
        "An Old-Style Identifier",
        "Cross-listed long ago.",
        datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC),
    ),
    Paper(
        "2411.00999", 3, "stat.ML",
        "A Paper of Another Category",
        "Not in cs.LG.",
        datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC),
    ),
]  # fmt: skip

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?{query}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: {query}</title>
  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated>2026-11-29T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{per_page}</opensearch:itemsPerPage>
"""


def _paper_entry(p: Paper) -> str:
    when = p.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"""  <entry>
    <id>http://arxiv.org/abs/{p.id}v{p.version}</id>
    <updated>{when}</updated>
    <published>{when}</published>
    <title>{escape(p.title)}</title>
    <summary>{escape(p.summary)}</summary>
    <author><name>Ada Researcher</name></author>
    <author><name>Bo Student</name><arxiv:affiliation xmlns:arxiv="http://arxiv.org/schemas/atom">A University</arxiv:affiliation></author>
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">12 pages, 4 figures</arxiv:comment>
    <link href="http://arxiv.org/abs/{p.id}v{p.version}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{p.id}v{p.version}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{p.category}" scheme="http://arxiv.org/schemas/atom"/>
    <category term="{p.category}" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def arxiv_feed(query: str, papers: list[Paper]) -> bytes:
    entries = "".join(_paper_entry(p) for p in papers)
    head = _HEAD.format(query=escape(query), total=len(papers), per_page=len(papers))
    return f"{head}{entries}</feed>\n".encode()


def error_feed(reason: str) -> bytes:
    """arXiv's answer to a wrong query: a feed of one entry titled Error."""
    anchor = reason.replace(" ", "_")
    head = _HEAD.format(query="search_query=&amp;id_list=", total=1, per_page=1)
    return f"""{head}  <entry>
    <id>http://arxiv.org/api/errors#{escape(anchor)}</id>
    <title>Error</title>
    <summary>{escape(reason)}</summary>
    <updated>2026-11-29T00:00:00-05:00</updated>
    <link href="http://arxiv.org/api/errors#{escape(anchor)}" rel="alternate" type="text/html"/>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>
""".encode()


class FakeFeeds(FakeServer):
    FEEDS: ClassVar[dict[str, bytes]] = {
        "/blog/feed.xml": RSS,
        "/example/trainer/releases.atom": RELEASES,
        "/journal/rss": RDF,
    }

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/query", self._query)
        for path in self.FEEDS:
            app.router.add_get(path, self._feed)

    async def _feed(self, request: web.Request) -> web.Response:
        return web.Response(body=self.FEEDS[request.path], content_type="application/xml")

    async def _query(self, request: web.Request) -> web.Response:
        search = request.query.get("search_query", "")
        try:
            limit = int(request.query.get("max_results", "10"))
        except ValueError:
            return _atom(error_feed("max_results must be an integer"), status=400)
        category = search.removeprefix("cat:")
        papers = sorted(
            (p for p in PAPERS if search.startswith("cat:") and p.category == category),
            key=lambda p: p.published,
            reverse=request.query.get("sortOrder") == "descending",
        )
        return _atom(arxiv_feed(request.query_string, papers[:limit]))


def _atom(document: bytes, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=document, content_type="application/atom+xml", charset="utf-8"
    )
