"""Checks that the manifest, Chroma and the keyword index agree, and repairs them when not.

The manifest is the record of what the archive holds (it is written last, see ``ingest.manifest``);
Chroma and the keyword index must hold exactly the chunks it lists. Disagreement comes from an
ingest killed between its writes, a Chroma server that lost data, or files edited by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.text import plural


@dataclass
class ConsistencyReport:
    orphans_in_store: set[str] = field(default_factory=set)  # in Chroma, not in the manifest
    missing_from_store: set[str] = field(default_factory=set)  # in the manifest, not in Chroma
    orphans_in_keywords: set[str] = field(default_factory=set)
    missing_from_keywords: set[str] = field(default_factory=set)
    docs_to_rebuild: set[str] = field(default_factory=set)  # documents with a chunk missing anywhere
    keyword_text_damaged: bool = False  # the full-text index disagrees with the keyword rows it indexes

    def problems(self) -> list[str]:
        lines = []
        for ids, what in (
            (self.orphans_in_store, "in Chroma that no document in the manifest lists"),
            (self.missing_from_store, "listed in the manifest but missing from Chroma"),
            (self.orphans_in_keywords, "in the keyword index that no document lists"),
            (self.missing_from_keywords, "listed in the manifest but missing from the keyword index"),
        ):
            if ids:
                lines.append(f"{plural(len(ids), 'chunk')} {what}")
        if self.keyword_text_damaged:
            lines.append("the keyword index's full-text table does not match its rows")
        return lines


def check(manifest, store, keywords) -> ConsistencyReport:
    listed = manifest.chunk_ids()
    stored = store.all_ids()
    indexed = keywords.all_ids()
    report = ConsistencyReport(
        orphans_in_store=stored - listed.keys(),
        missing_from_store=listed.keys() - stored,
        orphans_in_keywords=indexed - listed.keys(),
        missing_from_keywords=listed.keys() - indexed,
        keyword_text_damaged=not keywords.full_text_intact(),
    )
    report.docs_to_rebuild = {listed[c] for c in report.missing_from_store | report.missing_from_keywords}
    return report


def repair(report: ConsistencyReport, ingestor) -> list[str]:
    """Delete orphans; re-chunk and re-embed documents with missing chunks from their stored text."""
    done = []
    if report.orphans_in_store:
        ingestor.store.delete(sorted(report.orphans_in_store))
        done.append(f"deleted {plural(len(report.orphans_in_store), 'orphan chunk')} from Chroma")
    if report.orphans_in_keywords:
        ingestor.keywords.delete(sorted(report.orphans_in_keywords))
        done.append(f"deleted {plural(len(report.orphans_in_keywords), 'orphan chunk')} from the keyword index")
    if report.keyword_text_damaged:
        ingestor.keywords.rebuild_full_text()
        done.append("rebuilt the keyword index's full-text table from its rows")
    if report.docs_to_rebuild:
        rebuilt = ingestor.rebuild(sorted(report.docs_to_rebuild))
        done.append(f"rebuilt {plural(len(report.docs_to_rebuild), 'document')} ({plural(rebuilt, 'chunk')}) from their stored text")
    return done
