-- The history of one watch's developments (parameter: watch), each development's in order.
SELECT h.development_id, h.changed_at, h.change, h.field, h.old, h.new, h.article_id
FROM development_history AS h
JOIN developments AS d USING (development_id)
WHERE d.watch = ?
ORDER BY h.development_id, h.changed_at, h.article_id,
         CASE h.field WHEN 'created' THEN 0 WHEN 'stage' THEN 1 WHEN 'value' THEN 2 ELSE 3 END;
