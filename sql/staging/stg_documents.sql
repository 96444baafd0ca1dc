-- The five issued documents, typed.
SELECT doc_no, title_zh, title_en, issuer_zh, CAST(issued_date AS DATE) AS issued_date, notes
FROM seed_documents
