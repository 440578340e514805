-- Every canonical URL belongs to one article: must return no rows.
SELECT url, count(*) AS articles
FROM articles
WHERE url IS NOT NULL
GROUP BY url
HAVING count(*) > 1;
