/** The foot of a paged list: "Loading more…" while a page is on its way, else a "Load more" button while there are more. */
export function LoadMore({ hasMore, loadingMore, loadMore }: { hasMore: boolean; loadingMore: boolean; loadMore: () => void }) {
  return (
    <>
      {loadingMore && <span className="faint">Loading more…</span>}
      {hasMore && !loadingMore && (
        <button type="button" className="btn small" onClick={loadMore}>
          Load more
        </button>
      )}
    </>
  );
}
