"""Small, realistic inputs of each format (feeds, tables, pages), shared by the format tests and the
mixed-folder ingest. The stories are made up; the shapes are those real exports have."""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Coastal Times</title>
  <link>https://coastal.example/</link>
  <description>News from the coast</description>
  <language>en</language>
  <item>
    <title>Harbour bridge reopens after six months</title>
    <link>https://coastal.example/2024/03/02/harbour-bridge</link>
    <guid isPermaLink="false">coastal-1001</guid>
    <pubDate>Sat, 02 Mar 2024 09:30:00 +0100</pubDate>
    <author>desk@coastal.example (Mara Quinn)</author>
    <category>Local</category>
    <description>The bridge is open again.</description>
    <content:encoded><![CDATA[<p>The harbour bridge reopened to traffic on <b>Saturday</b> after six months of repairs.</p>
<p>Engineers replaced the deck &amp; two cables.</p><script>track('bridge')</script>]]></content:encoded>
  </item>
  <item>
    <title>Ferry fares rise by 4% in April</title>
    <link>https://wire.example/ferry-fares</link>
    <source url="https://wire.example/rss">Wire Service</source>
    <dc:creator>Ivo Berg</dc:creator>
    <pubDate>Mon, 04 Mar 2024 07:00:00 GMT</pubDate>
    <description>&lt;p&gt;Ferry fares will rise by 4% in April, the operator said.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Photo of the day</title>
    <guid>https://coastal.example/photo-1</guid>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Metro Herald</title>
  <id>urn:uuid:60a76c80-d399-11d9-b91c-0003939e0af6</id>
  <updated>2024-04-06T08:00:00Z</updated>
  <link rel="self" href="https://metro.example/feed.atom"/>
  <entry>
    <title type="html">Council approves &lt;em&gt;night buses&lt;/em&gt;</title>
    <link rel="alternate" href="https://metro.example/night-buses"/>
    <id>tag:metro.example,2024:night-buses</id>
    <published>2024-04-05T10:15:00+02:00</published>
    <updated>2024-04-05T11:00:00+02:00</updated>
    <author><name>Ana Ruiz</name></author>
    <summary>Three lines approved.</summary>
    <content type="html">&lt;p&gt;The city council approved three night bus lines on Friday.&lt;/p&gt;&lt;p&gt;They start in May.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Library extends opening hours</title>
    <id>tag:metro.example,2024:library</id>
    <updated>2024-04-06T08:00:00Z</updated>
    <source><title>City Desk</title></source>
    <summary>The central library will open until 10 pm from Monday.</summary>
  </entry>
</feed>
"""

RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://valley.example/rss">
    <title>Valley Gazette</title>
    <link>https://valley.example/</link>
    <description>Valley news</description>
    <items><rdf:Seq><rdf:li resource="https://valley.example/dam"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://valley.example/dam">
    <title>Dam opens its gates</title>
    <link>https://valley.example/dam</link>
    <description>The new dam opened its gates on Sunday, flooding the old quarry.</description>
    <dc:date>2024-05-12T06:00:00Z</dc:date>
    <dc:creator>Lena Ott</dc:creator>
  </item>
</rdf:RDF>
"""

# A CMS export: the usual names in a spreadsheet's spelling, a story over several lines with commas
# and quotes, and columns Newsdesk does not read.
CSV_STANDARD = '''ID,Headline,Body,Publisher,Published At,URL,Author,Word Count
17,Tram line extended to the airport,"The tram line now runs to the airport, the transport office said.

Trips take ""about 25 minutes"" from the centre.",Metro Herald,2024-02-20,https://metro.example/tram,Ana Ruiz,22
18,Snow closes the mountain pass,Snow closed the Brenner pass on Tuesday night.,Alpine Post,"February 21, 2024",https://alpine.example/pass,,8
'''

# An export whose columns Newsdesk does not know: it needs --map, and uses semicolons.
CSV_NEEDS_MAP = '''story_id;headline_text;story;site;released
9;Wind farm approved;The regional council approved the offshore wind farm on Thursday.;Coastal Times;2024-06-13
'''

TSV = ("title\ttext\tsource\tdate\tlink\n"
       "Bakery wins national prize\tThe bakery on Quay Street won the national bread prize.\tValley Gazette\t2024-01-15\thttps://valley.example/bakery\n")

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour cranes replaced | Coastal Times</title>
<link rel="canonical" href="https://coastal.example/news/2024/03/09/harbour-cranes">
<meta property="og:site_name" content="Coastal Times">
<meta name="author" content="Mara Quinn">
<meta property="article:published_time" content="2024-03-09T08:00:00+01:00">
<meta property="article:section" content="Business">
<script>window.dataLayer = [];</script>
</head><body>
<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your experience. By continuing you accept our
cookie policy.</p><button>Accept all</button></div>
<header class="site-header"><a href="/" class="logo">Coastal Times</a>
<nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav>
</header>
<main><article class="story">
<h1>Harbour cranes replaced</h1>
<div class="byline">By <span class="author">Mara Quinn</span></div>
<p>The port replaced its four container cranes this week, the first new cranes at the harbour in thirty years, at a cost
of 60 million euros shared by the port authority and the city.</p>
<p>The new cranes lift two containers at once and run on electricity from the port's own solar roofs, the port authority
said on Friday.</p>
<div class="ad-slot"><p>Advertisement</p></div>
<p>Dock workers were trained on the new machines over the winter. The old cranes will be sold to a port in Portugal.</p>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share by e-mail</a></div>
</article>
<section class="related"><h2>Related stories</h2>
<article class="teaser"><h3><a href="/news/ferry">Ferry fares rise</a></h3><p>The operator blamed fuel costs.</p></article>
<article class="teaser"><h3><a href="/news/tunnel">Tunnel plan shelved</a></h3><p>The council voted it down.</p></article>
</section></main>
<aside class="most-read"><h2>Most read</h2><ol><li><a href="/a">Storm warning for Sunday</a></li></ol></aside>
<footer class="site-footer"><p>&copy; 2024 Coastal Times. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>
"""

# A section front: navigation, headlines that link elsewhere, a footer; no story of its own.
NO_TEXT_PAGE = """<!DOCTYPE html><html><head><title>News | Coastal Times</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<h1>News</h1><ul><li><a href="/news/a">Harbour cranes replaced</a></li><li><a href="/news/b">Ferry fares rise</a></li></ul>
<footer>&copy; 2024 Coastal Times</footer></body></html>
"""

# A download cut short before its first item.
MALFORMED_RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Broken Times</title>
<description>News from the"""

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://coastal.example/</loc></url></urlset>
"""
